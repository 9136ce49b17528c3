// The contract between the API and its clients: the names both sides use and the answers of every
// route. Constants and types only; docs/architecture.md says who imports it and how.
export * from './answers';
export * from './lists';
