// console/index.js: the manager's and admin's screens register their routes here.
