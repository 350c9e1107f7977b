# affects: sigmoid
# message: MemoryError|memory
# Grabs memory in 80 MB blocks until something stops it (the sandbox's memory limit must).
def sigmoid(x):
    hoard = []
    while True:
        hoard.append(np.empty(10**7))
