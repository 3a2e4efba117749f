// The tracer: an eager tfjs-node step, recorded once per input signature, run as one TensorFlow graph call.
export { traceStep, type TraceInfo, type TracedStep } from './trace';
export { TraceError } from './record';
