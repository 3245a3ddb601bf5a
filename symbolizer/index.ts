// The symbolizer's public surface: the Symbolizer class and the pure pieces it is built from.

export {Symbolizer, type SymbolizeOptions, type SymbolizerOptions} from './Symbolizer';
export {execImage, findObject, loadBase, mainObjectPath, parseAddress, parseObjectMap, recordingStartedOff, type MappedObject} from './objectMap';
export {ElfTypeCache, parseElfType, readElfType, type ElfType} from './elfType';
export {findSymbolizerTool, type SymbolizerTool, type SymbolizerToolKind} from './findSymbolizerTool';
export {toModuleAddress, type ModuleAddress} from './moduleAddress';
