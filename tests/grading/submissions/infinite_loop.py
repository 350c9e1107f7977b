# affects: relu
# message: time limit
def relu(x):
    while True:
        pass
