export * from './backoff';
export * from './config';
export * from './db';
export * from './logger';
export * from './migrations';
export * from './resolution';
export * from './rows';
export * from './wait-for-database';
