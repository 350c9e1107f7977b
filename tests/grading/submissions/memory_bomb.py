# affects: sigmoid
# message: needed more than \d+ MB of memory \(the limit\)
# Grabs memory in 80 MB blocks until something stops it (the sandbox's memory limit must).
def sigmoid(x):
    hoard = []
    while True:
        hoard.append(np.empty(10**7))
