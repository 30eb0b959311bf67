// One-off reads a single component makes, typed, so that components never hold the API client:
// path completion and the native file picker, an example and its trajectories, a measure's
// histogram, and the URL an <img> loads an example's image from.
import type { CallArgs, CallResult } from '../../../shared/contract.js';
import { api } from '../api.js';

export const completePath = (args: CallArgs<'completePath'>): Promise<CallResult<'completePath'>> => api.completePath(args);
export const pickPath = (args: CallArgs<'pickPath'>): Promise<CallResult<'pickPath'>> => api.pickPath(args);
export const getExample = (exampleId: number): Promise<CallResult<'getExample'>> => api.getExample({ exampleId });
export const exampleTrajectory = (args: CallArgs<'exampleTrajectory'>): Promise<CallResult<'exampleTrajectory'>> => api.exampleTrajectory(args);
export const measureHistogram = (args: CallArgs<'measureHistogram'>): Promise<CallResult<'measureHistogram'>> => api.measureHistogram(args);
/** the URL of an example's image (the desktop app's protocol, or web mode's route) */
export const imageUrl = (exampleId: number): string => api.imageUrl(exampleId);
/** a referenced example's original file, byte for byte (the detail panel's zoomable view) */
export const originalUrl = (exampleId: number): string => api.originalUrl(exampleId);
/** the image training sees, as PNG (the detail panel of a dataset stored by reference) */
export const trainingImageUrl = (exampleId: number): string => api.trainingImageUrl(exampleId);
/** the import form's preview: a few images of a folder as training would see them, beside their thumbnails */
export const previewTrainingImages = (args: CallArgs<'previewTrainingImages'>): Promise<CallResult<'previewTrainingImages'>> => api.previewTrainingImages(args);
