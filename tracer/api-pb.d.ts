// tfjs-node ships its generated protobuf classes (dist/proto/api_pb.js) without type declarations;
// tracer/tf-proto.ts types the part of them this project uses.
declare module '@tensorflow/tfjs-node/dist/proto/api_pb.js' {
  const api: unknown;
  export default api;
}
