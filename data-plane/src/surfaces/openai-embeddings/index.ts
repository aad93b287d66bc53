export { runEmbeddings } from './run-embeddings.js';
