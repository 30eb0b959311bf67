// Fashion-MNIST's class names and its confusable groups (SPEC.md, Datasets).
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** tops {T-shirt, Pullover, Coat, Shirt} and shoes {Sandal, Sneaker, Ankle boot} */
export const FASHION_MNIST_GROUPS = [
  [0, 2, 4, 6],
  [5, 7, 9],
];
