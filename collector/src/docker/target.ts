/** Where the engine answers: a unix socket, or a host and port (DOCKER_HOST, collector/src/config.ts). */
export interface DockerTarget {
  socketPath?: string;
  host?: string;
  port?: number;
  protocol?: 'http' | 'https';
}
