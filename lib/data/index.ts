// MNIST the way the seed reads it (`input_data.read_data_sets`): the public face of lib/data/.
export * from './read-data-sets';
export * from './data-set';
export * from './files';
export * from './pixel-order';
export { DownloadError, downloadFile, progressBar } from './download';
export type { Checksum, DownloadProgress, ProgressReporter } from './download';
export { imageCols, imageRows, imageSize, numClasses, readImagesFile, readLabelsFile } from './idx';
