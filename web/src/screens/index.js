// screens/index.js: the annotator's screens register their routes here.
