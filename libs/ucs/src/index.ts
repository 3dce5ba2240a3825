export * as Storage from "./Storage.js"
export * as StorageConfig from "./StorageConfig.js"
export * as StorageError from "./StorageError.js"
export * as StorageUri from "./StorageUri.js"
