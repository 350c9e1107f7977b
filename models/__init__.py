"""The model zoo: named networks of the course with their training recipes."""
