export { LOCAL_ONLY_SCOPES, RegistryUnavailableError, publishedVersions, registryGet, startLocalRegistry, type LocalRegistry, type StartRegistryOptions } from './local-registry.js';
export { publishWorkspace, type PublishResult } from './publish-workspace.js';
export { cleanEnv, machineNpmConfig, userEnv, type MachineNpmConfig, type UserEnvOptions } from './user-env.js';
export { binTargets, exportTargets, publicWorkspacePackages, readManifest, repoRoot, type PackageManifest, type WorkspacePackage } from './workspace-packages.js';
