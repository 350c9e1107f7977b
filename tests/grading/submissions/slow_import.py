# affects: all
# message: time limit
import time

time.sleep(3600)
