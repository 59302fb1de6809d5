// screens/index.js: the annotator's screens register their routes here:
// home (#/, their projects), the labeling loop (#/p/ID/label) and their
// own page (#/me), the review queue (#/review, #/p/ID/review). Their look
// is screens.css (bundled into app.css).
import '../screens.css';
import './home.js';
import './label.js';
import './me.js';
import './review.js';
