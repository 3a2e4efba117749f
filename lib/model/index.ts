// The seed's In[4]: its cells (cells) and other layers (nn), TF-1's Adam (adam), the model that trains them (model),
// and what the notebook measures of it (row-gradients).
export * from './cells';
export * from './nn';
export { glorotUniform } from './init';
export * from './adam';
export * from './clip';
export * from './model';
export * from './row-gradients';
export type { ImageShape, Images, Labels } from './inputs';
