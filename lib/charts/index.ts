// The notebook's Plotly figures, and showing them in the kernel's output.
export * from './accuracy';
export * from './belief';
export * from './confusion';
export * from './row-gradient';
export * from './rnn';
export * from './memory';
export * from './display';
export { PLOTLY_MIME, figureSummary, type Figure } from './plotly';
