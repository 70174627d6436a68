package io.usageanalytics.cli;

/** A problem the user can fix (option, service, schema): reported as one line, exit code 1. */
public class UserError extends Exception {

    private static final long serialVersionUID = 1L;

    public UserError(String message) {
        super(message, null, false, false);
    }
}
