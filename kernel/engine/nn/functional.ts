// `F`: the functional API (torch.nn.functional). Math lives in ops/; this file only gathers it.

export { elu, hardtanh, leakyRelu, relu, relu6, sigmoid, softplus, tanh } from "../ops/elementwise";
export { linear } from "../ops/matmul";
