# affects: leaky_relu
# fails: leaky_relu: values (float64); leaky_relu: extreme and unseen inputs
# message: NaN or infinite
def leaky_relu(x, alpha=0.01):
    x = np.asarray(x)
    return np.full_like(x, np.inf)
