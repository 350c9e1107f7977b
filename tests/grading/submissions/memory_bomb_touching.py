# affects: sigmoid_grad
# message: needed more than \d+ MB of memory \(the limit\)|time limit
# Fills memory it allocates (slow on a loaded machine, so the time limit may come first; once the
# keeper has seen it reach the memory limit, the message names that limit all the same).
def sigmoid_grad(x):
    hoard = []
    while True:
        hoard.append(bytearray(10**8))
