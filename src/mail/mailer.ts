import nodemailer from 'nodemailer';
import type { Logger } from '../logger';

/** An email ready to go. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

/** Sends email, or keeps it when no SMTP server is configured. */
export interface Mailer {
  /** Returns `sent` once the SMTP server accepted it, `stored` when there is no server. */
  send(message: MailMessage): Promise<'sent' | 'stored'>;
  close(): void;
}

/**
 * Creates a mailer for `smtpUrl` (for example `smtp://user:pass@mail.example.com:587`). Without
 * one, messages stay in the notifications table and only their subject and recipient are logged.
 */
export function createMailer(options: { smtpUrl?: string; from: string; logger: Logger }): Mailer {
  const { smtpUrl, from, logger } = options;
  if (!smtpUrl) {
    return {
      async send(message) {
        logger.info(
          { to: message.to, subject: message.subject },
          'email kept (SMTP_URL is not set)',
        );
        return 'stored';
      },
      close() {},
    };
  }

  const transport = nodemailer.createTransport(smtpUrl);
  return {
    async send(message) {
      await transport.sendMail({
        from,
        to: message.to,
        subject: message.subject,
        text: message.text,
      });
      logger.info({ to: message.to, subject: message.subject }, 'email sent');
      return 'sent';
    },
    close() {
      transport.close();
    },
  };
}
