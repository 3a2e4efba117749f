// TF-1 style graphs from TypeScript: build once (graph, ops), run as one call into TensorFlow (session).
export * from './graph';
export * from './ops';
export * from './session';
