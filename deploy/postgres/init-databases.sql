-- One database per service: no service reads another's data.
CREATE DATABASE registry;
CREATE DATABASE activities;
CREATE DATABASE evaluation;
CREATE DATABASE notifications;
