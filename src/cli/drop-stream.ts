import type { Admin } from '../index.js';

/** Deletes a stream and its auxiliary keys (dead letters, delayed set, dedup keys). */
export const deleteStreamKeys = async (admin: Admin, stream: string): Promise<void> => {
  await admin.deleteStream(stream);
};
