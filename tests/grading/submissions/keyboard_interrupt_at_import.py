# affects: all
# message: importing your file raised KeyboardInterrupt
raise KeyboardInterrupt
