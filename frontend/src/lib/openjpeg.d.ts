// Types for the parts of @cornerstonejs/codec-openjpeg (an Emscripten build
// of OpenJPEG) this app uses; the package ships no declarations.
declare module '@cornerstonejs/codec-openjpeg/decodewasmjs' {
  export interface FrameInfo {
    width: number;
    height: number;
    bitsPerSample: number;
    componentCount: number;
    isSigned: boolean;
  }
  export interface J2KDecoder {
    getEncodedBuffer(length: number): Uint8Array;
    getDecodedBuffer(): Uint8Array;
    decode(): void;
    getFrameInfo(): FrameInfo;
    delete(): void;
  }
  export interface OpenJPEGModule {
    J2KDecoder: new () => J2KDecoder;
  }
  export interface ModuleOptions {
    wasmBinary?: ArrayBuffer | Uint8Array;
    locateFile?: (path: string, prefix: string) => string;
    /** OpenJPEG's info and error messages (default: the console). */
    print?: (text: string) => void;
    printErr?: (text: string) => void;
  }
  const factory: (options?: ModuleOptions) => Promise<OpenJPEGModule>;
  export default factory;
}
