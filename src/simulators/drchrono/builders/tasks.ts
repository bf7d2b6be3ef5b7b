import { stamps, ts } from './relations.ts';
import type { Builder } from './types.ts';

/** Task center: tasks and their notes, plus the practice's templates, categories and statuses. */
const PRACTICE_GROUP = 41200;
const PRIORITIES = ['10', '20', '20', '30', '40'];

export const taskBuilders: Record<string, Builder> = {
  tasks(ctx, i, rng) {
    const { created, updated } = stamps(ctx, rng, 365);
    const statuses = ctx.count('task_statuses');
    const status = rng.int(0, statuses - 1);
    return {
      record: {
        id: ctx.idOf('tasks', i),
        title: rng.pick(ctx.vocab.taskTitles),
        status: ctx.idOf('task_statuses', status),
        category: ctx.idOf('task_categories', rng.int(0, ctx.count('task_categories') - 1)),
        priority: rng.pick(PRIORITIES),
        assignee_user: String(ctx.idOf('users', rng.int(0, ctx.count('users') - 1))),
        assignee_group: null,
        assigned_by: String(ctx.idOf('users', 0)),
        created_by: String(ctx.idOf('users', 0)),
        due_date: { due_date: ts(created + rng.int(1, 14) * 86_400_000) },
        archived: status === statuses - 1 && rng.chance(0.5),
        // verbose-only fields
        notes: [],
        associated_items: [
          { type: 'patient', value: ctx.idOf('patients', ctx.parentIndex('tasks', i, 'patients')) },
        ],
        created_at: ts(created),
        updated_at: ts(updated),
      },
      updatedAt: updated,
    };
  },
  task_notes(ctx, i, rng) {
    const { created, updated } = stamps(ctx, rng, 300);
    return {
      record: {
        id: ctx.idOf('task_notes', i),
        task: ctx.idOf('tasks', ctx.parentIndex('task_notes', i, 'tasks')),
        text: rng.pick(ctx.vocab.taskNotes),
        archived: false,
        created_by: String(ctx.idOf('users', 0)),
        created_at: ts(created),
        updated_at: ts(updated),
      },
      updatedAt: updated,
    };
  },
  task_templates(ctx, i, rng) {
    const { created, updated } = stamps(ctx, rng, 1095);
    return {
      record: {
        id: ctx.idOf('task_templates', i),
        name: ctx.vocab.taskTitles[i % ctx.vocab.taskTitles.length],
        default_title: ctx.vocab.taskTitles[i % ctx.vocab.taskTitles.length],
        default_note: '',
        default_category: ctx.idOf('task_categories', i % ctx.count('task_categories')),
        default_status: ctx.idOf('task_statuses', 0),
        default_priority: '20',
        default_assignee_user: '',
        default_assignee_group: null,
        default_due_date_offset: '2 00:00:00',
        practice_group: String(PRACTICE_GROUP),
        archived: false,
        created_at: ts(created),
        updated_at: ts(updated),
      },
      updatedAt: updated,
    };
  },
  task_categories(ctx, i, rng) {
    const { created, updated } = stamps(ctx, rng, 1095);
    return {
      record: {
        id: ctx.idOf('task_categories', i),
        name: ctx.vocab.taskCategories[i % ctx.vocab.taskCategories.length],
        practice_group: PRACTICE_GROUP,
        is_global: 'false',
        archived: false,
        created_at: ts(created),
        updated_at: ts(updated),
      },
      updatedAt: updated,
    };
  },
  task_statuses(ctx, i, rng) {
    const s = ctx.vocab.taskStatuses[i % ctx.vocab.taskStatuses.length];
    const { created, updated } = stamps(ctx, rng, 1095);
    return {
      record: {
        id: ctx.idOf('task_statuses', i),
        name: s?.name,
        status_category: s?.category,
        practice_group: PRACTICE_GROUP,
        task_category: null,
        archived: false,
        created_at: ts(created),
        updated_at: ts(updated),
      },
      updatedAt: updated,
    };
  },
};
