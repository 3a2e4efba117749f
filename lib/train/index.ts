// The seed's In[5]: the training loop, and what the notebook adds to it (interrupts, live progress).
export * from './train';
export { AbortError, runExclusive } from '../kernel/interrupt';
export * from './progress';
export * from './memory';
