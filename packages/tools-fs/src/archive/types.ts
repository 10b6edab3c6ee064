export interface ArchiveEntry {
  name: string;
  type: 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';
  size: number;
  compressed_size?: number;
  modified?: string;
  link_target?: string;
}

/** A file or directory going into a new archive. */
export interface SourceFile {
  /** Real path on disk (for messages; the file is opened through `parts`). */
  real: string;
  /** Which opened input directory the file is reached from. */
  anchor: number;
  /** Path components below that directory, each opened without following links. */
  parts: string[];
  /** Name inside the archive (forward slashes, relative). */
  name: string;
  type: 'file' | 'directory';
  size: number;
  mtime: Date;
  mode: number;
}
