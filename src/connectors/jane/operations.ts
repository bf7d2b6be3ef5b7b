import type { NamedOperation } from '../connector.ts';

/**
 * Jane's non-CRUD writes: a care plan's activities live under the care plan
 * (`/medical-record/care-plans/{care_plan_id}/activities[/{activity_id}]`). Each activity is a
 * `CarePlan.activity` whose element id is the Jane activity id (mappings/jane/care-plan.yaml), so
 * the operations take the care plan's gateway id and, for an update, the activity's element id.
 * Find Care Plan Activity is the `CarePlan(id)` query with `activity(id: …)`.
 */
export const JANE_OPERATIONS: readonly NamedOperation[] = [
  {
    id: 'jane.care_plan_activity.create',
    source: 'jane',
    row: 'care_plans',
    graphqlField: 'janeCarePlanActivityCreate',
    actions: ['jane.care_plan_activity.create'],
    method: 'POST',
    path: '/medical-record/care-plans/{parentId}/activities',
    inputType: 'CarePlanActivity',
    outputType: 'CarePlan',
    scopes: ['care_plans:create'],
    target: { type: 'CarePlan', element: 'activity', nativeElement: 'activities' },
  },
  {
    id: 'jane.care_plan_activity.update',
    source: 'jane',
    row: 'care_plans',
    graphqlField: 'janeCarePlanActivityUpdate',
    actions: ['jane.care_plan_activity.update'],
    method: 'PATCH',
    path: '/medical-record/care-plans/{parentId}/activities/{id}',
    inputType: 'CarePlanActivity',
    outputType: 'CarePlan',
    scopes: ['care_plans:update'],
    target: { type: 'CarePlan', element: 'activity', nativeElement: 'activities' },
  },
];
