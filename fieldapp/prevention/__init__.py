"""The prevention programme: students, their enrolment history and their progress."""
