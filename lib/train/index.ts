// The seed's In[5]: the training loop, and what the notebook adds to it (interrupts, live progress).
export * from './train';
export * from './interrupt';
export * from './progress';
