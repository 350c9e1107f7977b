# affects: sigmoid_grad
# message: MemoryError|memory|time limit
# Fills memory it allocates (slow on a loaded machine, so the time limit may come first).
def sigmoid_grad(x):
    hoard = []
    while True:
        hoard.append(bytearray(10**8))
