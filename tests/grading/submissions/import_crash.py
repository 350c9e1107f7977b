# affects: all
# message: importing your file raised ZeroDivisionError
SCALE = 1 / 0
