export {
  float32Of,
  int32Of,
  parseSafetensors,
  readSafetensors,
  readSafetensorsHeader,
  type SafetensorsDtype,
  type SafetensorsEntry,
  type SafetensorsFile,
  type SafetensorsTensor,
  type SafetensorsWriteEntry,
  safetensorsOutput,
  writeSafetensors,
} from './safetensors';
