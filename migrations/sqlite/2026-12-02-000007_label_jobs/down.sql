DROP TABLE label_jobs;
