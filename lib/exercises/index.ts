// The exercises' checks (notebooks/rnn-exercises.ipynb): each says whether a learner's answer is right.
export * from './checks';
