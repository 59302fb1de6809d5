// console/index.js: the manager's and admin's screens register their routes
// here. Every route is guarded by role ({staff} or {admin}) in main.js; the
// server refuses the same calls anyway, the guard only spares a useless screen.
import './console.css';
import { route } from '../lib/router.js';
import { projectsScreen } from './projects.js';
import { newProjectScreen } from './new-project.js';
import { projectScreen } from './project.js';
import { taskScreen } from './task-view.js';
import { adminScreen } from './admin.js';

route('/manage', projectsScreen, { staff: true });
route('/manage/new', newProjectScreen, { staff: true });
route('/manage/p/:id', (root, p) => projectScreen(root, { ...p, tab: 'overview' }), { staff: true });
route('/manage/p/:id/:tab', projectScreen, { staff: true });
route('/manage/p/:id/task/:task', taskScreen, { staff: true });
route('/admin', (root) => adminScreen(root, { tab: 'users' }), { admin: true });
route('/admin/:tab', adminScreen, { admin: true });
