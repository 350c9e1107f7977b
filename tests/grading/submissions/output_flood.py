# affects: tanh_grad
# message: printed more than \d+ KB \(the limit\)
def tanh_grad(x):
    line = "x" * 1_000_000
    for _ in range(100):  # 100 MB
        print(line)
