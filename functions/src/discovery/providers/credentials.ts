/**
 * Firebase secrets cannot be deleted per environment once bound, so an operator who does not use a
 * provider stores "none": empty or "none" means "not configured".
 */
export function isSet(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== '' && value.trim().toLowerCase() !== 'none';
}
