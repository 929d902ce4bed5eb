export { DockerDriver, DockerDriverOptions } from './driver';
export { DEFAULT_DOCKER_HOST, closeDocker, connectDocker, dockerFromHost, EngineConnection } from './transport';
export { INSTANCE_LABEL, PROJECT_LABEL } from './labels';
