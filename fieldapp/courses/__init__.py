"""Vocational courses, enrolments and attendance."""
