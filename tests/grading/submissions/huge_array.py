# affects: relu
# message: more data|MemoryError|memory|crashed|time limit
def relu(x):
    return np.ones(20_000_000)  # 160 MB per input
