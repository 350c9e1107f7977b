# affects: leaky_relu
# message: NaN or infinite
def leaky_relu(x, alpha=0.01):
    x = np.asarray(x)
    return np.full_like(x, np.inf)
