/**
 * The PostgreSQL channel on which each license change is announced (payload: the license id), in the
 * change's own transaction: listeners hear it when, and only if, it commits.
 */
export const LICENSE_CHANGED_CHANNEL = 'sms_callback_license_changed';
