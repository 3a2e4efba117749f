// The seed's In[4]: its layers (nn), TF-1's Adam (adam), the model that trains them (model),
// and what the notebook measures of it (row-gradients).
export * from './nn';
export * from './adam';
export * from './model';
export * from './row-gradients';
export type { ImageShape, Images, Labels } from './inputs';
