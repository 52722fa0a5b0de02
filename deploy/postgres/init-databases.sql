-- One database per service, so no service reads another's tables: they share data only
-- through events. The postgres image runs this once, when its data volume is empty.
CREATE DATABASE registry;
CREATE DATABASE activities;
CREATE DATABASE evaluation;
CREATE DATABASE notifications;
