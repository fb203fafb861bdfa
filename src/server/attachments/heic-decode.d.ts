/** heic-decode ships no types: its two entry points as used in attachments.content.ts. */
declare module "heic-decode" {
  interface DecodedImage {
    width: number;
    height: number;
    /** RGBA, 4 bytes a pixel, rotation and mirroring applied. */
    data: Uint8ClampedArray;
  }
  interface HeicImage {
    width: number;
    height: number;
    decode(): Promise<DecodedImage>;
  }
  /** Decodes the first top-level image. */
  function decodeHeic(input: { buffer: Uint8Array }): Promise<DecodedImage>;
  namespace decodeHeic {
    /** The top-level images with their sizes, undecoded; dispose() frees libheif's memory. */
    function all(input: { buffer: Uint8Array }): Promise<HeicImage[] & { dispose(): void }>;
  }
  export default decodeHeic;
}
