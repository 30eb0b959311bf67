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

/** The embedded sample's name as the app imports it (main/data/sampleDataset.ts); the renderer looks for it among the datasets. */
export const SAMPLE_DATASET_NAME = 'Fashion-MNIST sample';
