"""Case management: a family's episodes of support in a programme, with their history."""
